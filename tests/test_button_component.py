"""components/button.html: its markup is built in Python (`ui.button_markup`) from the include's variables;
these pin the HTML the template language used to write, escaping included."""

from __future__ import annotations

from django.template import Context, engines

from imagestudio.web.templatetags.ui import icon


def render(arguments: str, **context) -> str:
    source = "{% include 'components/button.html' with " + arguments + " only %}"
    return engines["django"].engine.from_string(source).render(Context(context))


def test_an_icon_button_is_labelled_by_its_label_and_escapes_it():
    html = render('label=label size="icon" icon="trash" testid="remove" type="submit"', label="Drop <all> & go")
    assert html == (
        '<button type="submit" class="btn btn-primary btn-icon" data-testid="remove" '
        'aria-label="Drop &lt;all&gt; &amp; go">'
        f'<span data-icon class="contents">{icon("trash", **{"class": "size-4"})}</span></button>\n'
    )


def test_a_link_button_carries_its_options_in_order():
    html = render(
        'href=url label="Open" variant="ghost" size="sm" block=True disabled=True new_tab=True download=True '
        'title=title icon_right="chevron-down" class="w-full"',
        url="/a?b=1&c=2",
        title='Say "hi"',
    )
    assert html == (
        '<a href="/a?b=1&amp;c=2" aria-disabled="true" tabindex="-1" download target="_blank" rel="noopener" '
        'class="btn btn-ghost btn-sm btn-block w-full" title="Say &quot;hi&quot;"><span data-label>Open</span>'
        f"{icon('chevron-down', **{'class': 'size-4 -mr-0.5'})}</a>\n"
    )


def test_form_attributes_loading_state_and_raw_attrs():
    html = render(
        'label="Save" name="action" value=count form_id="f1" loading=True loading_label="Saving…" '
        'dialog="confirm" attrs=\'hx-post="/x"\' id="b1" aria_label="Save it"',
        count=1234,
    )
    assert html == (
        '<button type="button" name="action" value="1234" form="f1" class="btn btn-primary" id="b1" data-loading '
        'aria-label="Save it" data-dialog-open="confirm" aria-haspopup="dialog" aria-expanded="false" hx-post="/x">'
        f"<span data-spinner>{icon('spinner', **{'class': 'size-4 spin'})}</span><span data-label>Save</span>"
        "<span data-loading-label>Saving…</span></button>\n"
    )
    assert ' value="' not in render('label="Zero" value=count', count=0)  # a falsy value is left out, as before
