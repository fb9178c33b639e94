"""The README's python blocks run as written, in order, in one interpreter, against a replay server
standing in for the API host and a loopback S3 server (issue 10). In a file of its own so that
pytest-xdist (``--dist loadfile``) runs it beside the README's bash tour (``test_readme.py``): the
two are the suite's longest tests, and in one file they ran one after the other.

Whether the blocks could start from the session's imported store of the hourly series
(``series_store``) instead of importing the archive themselves was measured: importing it again
into a store that holds it costs about 85% of the first import (every body is read and parsed to
derive its content id), so a pre-built ``data`` folder would save little and would turn the
README's import line into a no-op; the blocks import as a reader of the README would.
"""

from __future__ import annotations

import subprocess
import sys

from .conftest import readme_blocks

PUBLIC_API_URLS = ("https://openrouter.ai/api/v1", "https://eu.openrouter.ai/api/v1", "https://us.openrouter.ai/api/v1")


def test_every_python_block_runs_in_order(readme_world) -> None:
    """All python blocks, in README order, in one interpreter (later blocks use earlier names)."""
    cwd, env, api = readme_world
    code = "\n\n".join(readme_blocks("python"))
    for url in PUBLIC_API_URLS:  # the live API is not reachable here: the replay server stands in for it
        code = code.replace(url, api.base_url)
    script = cwd / "readme_blocks.py"
    script.write_text(code, encoding="utf-8")
    proc = subprocess.run([sys.executable, str(script)], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (cwd / "report" / "index.html").is_file()
