"""`{{ text|markdown }}`: Markdown people wrote (project descriptions and notes), sanitised (projects/markdown.py)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from imagestudio.projects.markdown import render_markdown

register = template.Library()


@register.filter
def markdown(text: str) -> SafeString:
    return render_markdown(text or "")
