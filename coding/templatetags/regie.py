"""Template filters of the workbench."""

from django import template

register = template.Library()


@register.filter
def timestamp(milliseconds: int | None) -> str:
    """Milliseconds as ``[hh:]mm:ss``, the way transcribers write them."""
    if milliseconds is None:
        return ""
    seconds = int(milliseconds) // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return (
        f"{hours:02d}:{minutes:02d}:{secs:02d}"
        if hours
        else f"{minutes:02d}:{secs:02d}"
    )
