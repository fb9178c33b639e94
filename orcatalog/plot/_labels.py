"""Point labels that never overlap (:func:`_place_labels`), laid out in display pixels."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._axes import _root

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def _place_labels(
    ax: Axes, points: list[tuple[float, float, str]], fontsize: float = 7, step_line: bool = False, avoid: Any = ()
) -> list[Any]:
    """Label data points with their names so that no two labels overlap and none sits on another
    labelled point (nor, with ``step_line``, on the post-step line through the points): each label
    tries spots around its point (up-left, up-right, down-right, down-left, then further out) and
    takes the first free one (greedy, in display pixels, in the order given); ``avoid`` holds more
    (x, y) data points to keep clear where possible. Returns the annotations.

    The Axes' final size must be known: call it after the scales and limits are set.
    """
    fig = _root(ax)
    fig.draw_without_rendering()  # settle the layout: pixel positions below are the final ones
    to_px = ax.transData.transform
    box = ax.get_window_extent()  # the figure's own renderer (public: no private matplotlib call)
    k = fig.dpi / 72.0  # pixels per point
    anchors = [tuple(to_px((x, y))) for x, y, _ in points]
    taken: list[tuple[float, float, float, float]] = []
    dots = [(px - 4 * k, py - 4 * k, px + 4 * k, py + 4 * k) for px, py in anchors]
    segments = [(px - 4 * k, py - 4 * k, px + 4 * k, py + 4 * k) for px, py in (to_px(xy) for xy in avoid)]
    if step_line:  # where="post": across at each point's height, then up or down to the next point
        for (x0, y0), (x1, y1) in zip(anchors, anchors[1:]):
            segments.append((min(x0, x1), y0 - k, max(x0, x1), y0 + k))
            segments.append((x1 - k, min(y0, y1), x1 + k, max(y0, y1)))
    annotations = []
    for i, ((x, y, text), (px, py)) in enumerate(zip(points, anchors)):
        ann = ax.annotate(
            text,
            (x, y),
            textcoords="offset points",
            xytext=(0, 0),
            fontsize=fontsize,
            va="center",
            arrowprops={"arrowstyle": "-", "color": "grey", "linewidth": 0.5},
        )
        extent = ann.get_window_extent()
        w, h = extent.width + 2 * k, extent.height + 2 * k  # a little air around each label
        others = dots[:i] + dots[i + 1 :] + segments
        clean, fallback = None, None  # the first spot free of labels and points; of labels only
        for reach in range(1, 40):
            for dx, dy in ((-6, 1), (6, 1), (6, -1), (-6, -1)):
                oy = dy * (8 if reach == 1 else 4 + 9 * reach)
                left = px + dx * k - (w if dx < 0 else 0)
                bottom = py + oy * k - h / 2
                cand = (left, bottom, left + w, bottom + h)
                inside = box.x0 <= cand[0] and cand[2] <= box.x1 and box.y0 <= cand[1] and cand[3] <= box.y1
                if not inside or any(_overlap(cand, t) for t in taken):
                    continue
                if not any(_overlap(cand, d) for d in others):
                    clean = (cand, dx, oy)
                    break
                fallback = fallback or (cand, dx, oy)
            if clean is not None:
                break
        best = clean or fallback
        if best is None:  # no room inside the Axes: stack it above the highest label so far
            top = max([t[3] for t in taken] + [py])
            best = ((px - w, top + k, px, top + k + h), -6, (top + k + h / 2 - py) / k)
        cand, dx, oy = best
        ann.xyann = (dx, oy)
        ann.set_horizontalalignment("right" if dx < 0 else "left")
        taken.append(cand)
        annotations.append(ann)
    return annotations


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    """Whether two (x0, y0, x1, y1) boxes intersect."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
