"""Point labels that never overlap (:func:`_place_labels`), laid out in display pixels."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ._axes import _root

if TYPE_CHECKING:
    from matplotlib.axes import Axes


#: The most labels :func:`_place_labels` places: more would not be read, and its cost grows with
#: the square of the labels placed (never with the number of points given).
MAX_LABELS = 20
#: How far (points) from the step line's centre a label's box (which has 1 pt of air of its own)
#: is kept where possible: the frontier's 1.5 pt line plus room, so a label text stays at least
#: 5 pt from the line's centre (trial: "~deepseek/deepseek-v4-flash-latest", 4.2 pt under the
#: line, read as touching it).
LINE_AIR = 4.0


def _spread(n: int, cap: int = MAX_LABELS) -> list[int]:
    """The indices of the points to label when there are ``n`` and at most ``cap`` get a label:
    all of them, or ``cap`` spread evenly along the order given (the first and the last always:
    on a frontier, the cheapest and the one of longest context)."""
    if n <= cap:
        return list(range(n))
    return sorted({int(round(i)) for i in np.linspace(0, n - 1, max(cap, 1))})


def _place_labels(
    ax: Axes,
    points: list[tuple[float, float, str]],
    fontsize: float = 7,
    step_line: bool = False,
    avoid: Any = (),
    cap: int = MAX_LABELS,
) -> list[Any]:
    """Label data points with their names so that no two labels overlap and none sits on another
    labelled point (nor, with ``step_line``, on the post-step line through the points), and no
    leader line crosses another or runs through another label (:func:`_tangled`): each label
    tries spots around its point (:data:`_SPOTS`, in rings further and further out) and takes the
    one of least cost, its ring plus :func:`_penalty` (greedy, in display pixels, in the order
    given; a label never overlaps one placed before); ``avoid`` holds more (x, y) data points to
    keep clear where possible.

    At most ``cap`` points get a label (:func:`_spread`: evenly along the order given; the others
    stay points to keep clear of), and a label with no room inside the Axes is left out, so the
    work is bounded whatever is given: about ``cap`` squared label tests, plus one vectorised test
    against the points per spot tried. Returns the annotations placed (at most ``cap``).

    The Axes' final size must be known: call it after the scales and limits are set.
    """
    fig = _root(ax)
    fig.draw_without_rendering()  # settle the layout: pixel positions below are the final ones
    to_px = ax.transData.transform
    box = ax.get_window_extent()  # the figure's own renderer (public: no private matplotlib call)
    k = fig.dpi / 72.0  # pixels per point
    every = np.asarray(to_px(np.asarray([(x, y) for x, y, _ in points], dtype=float).reshape(-1, 2)))
    chosen = _spread(len(points), cap)
    taken: list[tuple[float, float, float, float]] = []
    leaders: list[tuple[float, float, float, float]] = []
    # obstacles, as (n, 4) arrays of boxes: every point given (labelled or not), the points to avoid
    # and, with step_line, the step line through every point given
    dots = np.column_stack([every - 4 * k, every + 4 * k]) if len(every) else np.empty((0, 4))
    extra = np.asarray(to_px(np.asarray(list(avoid), dtype=float).reshape(-1, 2))) if len(avoid) else np.empty((0, 2))
    obstacles = [np.column_stack([extra - 4 * k, extra + 4 * k]) if len(extra) else np.empty((0, 4))]
    lines = [np.empty((0, 4))]  # the step line, as boxes of its runs: (the line itself, the line with air)
    if step_line and len(every) > 1:  # where="post": across at each point's height, then up or down to the next
        (x0, y0), (x1, y1) = every[:-1].T, every[1:].T
        for half in (k, LINE_AIR * k):  # LINE_AIR: room to read (a label 2 pt off it read as touching, F13)
            across = np.column_stack([np.minimum(x0, x1), y0 - half, np.maximum(x0, x1), y0 + half])
            lines.append(
                np.concatenate(
                    [across, np.column_stack([x1 - half, np.minimum(y0, y1), x1 + half, np.maximum(y0, y1)])]
                )
            )
    segments = np.concatenate(obstacles)
    line, near_line = (lines[1], lines[2]) if len(lines) == 3 else (lines[0], lines[0])
    labelled = every[chosen] if len(every) else np.empty((0, 2))
    annotations = []
    for j, (i, (x, y, text)) in enumerate((i, points[i]) for i in chosen):
        px, py = float(every[i, 0]), float(every[i, 1])
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
        # air around each label: 3 pt on each side (two labels 2 pt apart on one line read as one
        # word: 'azure/globalanthropic', trial), 1 pt above and below
        w, h = extent.width + 6 * k, extent.height + 2 * k
        others = np.concatenate([np.delete(dots, i, axis=0), segments])
        rivals = np.delete(labelled, j, axis=0)  # the other labelled points
        best, score = None, float("inf")
        for reach in range(1, 40):
            if reach > score:  # every spot further out scores more
                break
            for dx, dy in _SPOTS:
                oy = dy * (8 + 4 * (dx == 0) if reach == 1 else 4 + 9 * reach)
                left = px + dx * k - (w if dx < 0 else w / 2 if dx == 0 else 0)
                bottom = py + oy * k - h / 2
                cand = (left, bottom, left + w, bottom + h)
                inside = box.x0 <= cand[0] and cand[2] <= box.x1 and box.y0 <= cand[1] and cand[3] <= box.y1
                if not inside or any(_overlap(cand, t) for t in taken):
                    continue
                cost = reach + _penalty(cand, (px, py), rivals, others, taken, leaders, (line, near_line))
                if cost < score:
                    best, score = (cand, dx, oy), cost
        if best is None:  # no room inside the Axes: no label rather than one outside it or over another
            ann.remove()
            continue
        cand, dx, oy = best
        ann.xyann = (dx, oy)
        ann.set_horizontalalignment("right" if dx < 0 else "center" if dx == 0 else "left")
        taken.append(cand)
        leaders.append(_leader((px, py), cand))
        annotations.append(ann)
    return annotations


#: The spots tried around a point, in order, as (x offset in points, up or down): up-left, up-right,
#: down-right, down-left, then centred above and below.
_SPOTS = ((-6, 1), (6, 1), (6, -1), (-6, -1), (0, 1), (0, -1))


def _penalty(
    box: Box,
    anchor: tuple[float, float],
    rivals: np.ndarray,
    others: np.ndarray,
    boxes: list[Box],
    leaders: list[Segment],
    line: tuple[np.ndarray, np.ndarray] = (np.empty((0, 4)), np.empty((0, 4))),
) -> float:
    """What a spot costs beyond its distance (ring number): 100 when its leader line would tangle
    with those placed (:func:`_tangled`), 30 when the step line runs through its text, 20 when
    another labelled point is nearer the label's centre than its own (the label would be read as
    that point's), 6 when it covers a point or comes within :data:`LINE_AIR` of the step line.
    ``rivals`` is an (n, 2) array of the other points; ``others`` and the two of ``line`` (the step
    line's runs, then the same with air) are (n, 4) arrays of boxes."""
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    own = (cx - anchor[0]) ** 2 + (cy - anchor[1]) ** 2
    cost = 0.0
    if _tangled(_leader(anchor, box), box, boxes, leaders):
        cost += 100
    if len(rivals) and bool((((rivals[:, 0] - cx) ** 2 + (rivals[:, 1] - cy) ** 2) < own).any()):
        cost += 20
    if _covers(box, others):
        cost += 6
    if _covers(box, line[0]):
        cost += 30
    elif _covers(box, line[1]):
        cost += 6
    return cost


def _covers(box: Box, boxes: np.ndarray) -> bool:
    """Whether ``box`` intersects any of ``boxes``, an (n, 4) array of (x0, y0, x1, y1)."""
    return bool(
        len(boxes)
        and ((box[0] < boxes[:, 2]) & (boxes[:, 0] < box[2]) & (box[1] < boxes[:, 3]) & (boxes[:, 1] < box[3])).any()
    )


Box = tuple[float, float, float, float]
Segment = tuple[float, float, float, float]


def _leader(anchor: tuple[float, float], box: Box) -> Segment:
    """A label's leader line as drawn: from its point to the centre of its box (the part inside the
    box is hidden by the text)."""
    return (anchor[0], anchor[1], (box[0] + box[2]) / 2, (box[1] + box[3]) / 2)


def _tangled(leader: Segment, box: Box, boxes: list[Box], leaders: list[Segment]) -> bool:
    """Whether a label at ``box`` with ``leader`` would tangle with those placed: its leader crossing
    one of theirs or running through one of their labels, or one of their leaders running through it."""
    return (
        any(_crosses(leader, other) for other in leaders)
        or any(_through(leader, b) for b in boxes)
        or any(_through(other, box) for other in leaders)
    )


def _crosses(a: Segment, b: Segment) -> bool:
    """Whether two segments properly intersect (touching ends do not count)."""

    def orient(px: float, py: float, qx: float, qy: float, rx: float, ry: float) -> float:
        return (qx - px) * (ry - py) - (qy - py) * (rx - px)

    d1, d2 = orient(*b, a[0], a[1]), orient(*b, a[2], a[3])
    d3, d4 = orient(*a, b[0], b[1]), orient(*a, b[2], b[3])
    return d1 * d2 < 0 and d3 * d4 < 0


def _through(seg: Segment, box: Box) -> bool:
    """Whether a segment passes through the inside of a box (Liang-Barsky clipping)."""
    x0, y0, x1, y1 = seg
    dx, dy = x1 - x0, y1 - y0
    lo, hi = 0.0, 1.0
    for p, q in ((-dx, x0 - box[0]), (dx, box[2] - x0), (-dy, y0 - box[1]), (dy, box[3] - y0)):
        if p == 0:
            if q <= 0:
                return False
            continue
        t = q / p
        if p < 0:
            lo = max(lo, t)
        else:
            hi = min(hi, t)
        if lo >= hi:
            return False
    return True


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    """Whether two (x0, y0, x1, y1) boxes intersect."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
