from __future__ import annotations

from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.cache import cache_page
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog

from imagestudio.api import api, not_found
from imagestudio.gallery import views as gallery
from imagestudio.gallery import views_explore as gallery_explore
from imagestudio.generation import views as generation
from imagestudio.generation import views_experiments, views_iterate, webhooks
from imagestudio.prompts import views as prompts
from imagestudio.web import seo
from imagestudio.web import views as web
from imagestudio.workspaces import views as workspaces

urlpatterns = [
    path("", web.landing, name="landing"),
    path("dashboard/", web.dashboard, name="dashboard"),
    path("healthz", web.healthz, name="healthz"),
    path("generate/", generation.generate, name="generate"),
    path("generate/jobs/<uuid:job_id>/", generation.job_card, name="job_card"),
    path("generate/jobs/<uuid:job_id>/cancel/", generation.cancel_job, name="job_cancel"),
    path("generate/jobs/<uuid:job_id>/regenerate/", generation.regenerate_job, name="job_regenerate"),
    path("generate/jobs/<uuid:job_id>/retry/", generation.retry_job, name="job_retry"),
    path("generate/panel/", generation.parameter_panel, name="parameter_panel"),
    path("generate/estimate/", generation.cost_estimate, name="cost_estimate"),
    path("generate/refine/", prompts.refine_prompt, name="refine_prompt"),
    path("generate/variations/", prompts.prompt_variations, name="prompt_variations"),
    path("generate/presets/", generation.save_preset, name="preset_save"),
    path("generate/presets/<uuid:preset_id>/delete/", generation.delete_preset, name="preset_delete"),
    path("queue/", generation.queue_page, name="queue"),
    path("queue/order/", generation.queue_order, name="queue_order"),
    path("queue/hold/", generation.queue_hold, name="queue_hold"),
    path("batches/", include("imagestudio.batches.urls")),
    path("generate/compare/", views_experiments.compare_new, name="compare_new"),
    path("generate/compare/<uuid:experiment_id>/", views_experiments.compare_detail, name="compare_detail"),
    path("generate/compare/<uuid:experiment_id>/winner/", views_experiments.compare_winner, name="compare_winner"),
    path("images/<uuid:image_id>/vary/", generation.vary_image, name="image_vary"),
    path("images/<uuid:image_id>/iterate/<slug:operation>/", views_iterate.iterate, name="image_iterate"),
    path("images/", include("imagestudio.gallery.urls_files")),
    path("images/", include("imagestudio.gallery.urls_import")),
    path("images/", include("imagestudio.gallery.urls_manage")),
    path("images/", gallery.image_list, name="image_list"),
    path("images/<uuid:image_id>/", gallery.image_detail, name="image_detail"),
    path("images/<uuid:image_id>/file", gallery.image_file, name="image_file"),
    path("images/<uuid:image_id>/comments/", gallery.image_comment_add, name="image_comment_add"),
    path("images/<uuid:image_id>/public/", gallery.image_public, name="image_public"),
    path("explore/", gallery.explore, name="explore"),
    path("explore/<uuid:image_id>/thumb", gallery.explore_thumb, name="explore_thumb"),
    path("explore/<uuid:image_id>/", gallery_explore.explore_image, name="explore_image"),
    path("models/", include("imagestudio.catalog.urls")),
    # Search engines and link previews (imagestudio.web.seo).
    path("robots.txt", seo.robots_txt, name="robots_txt"),
    path("sitemap.xml", seo.sitemap_index, name="sitemap"),
    path("sitemap-<slug:section>.xml", seo.sitemap_section, name="sitemap_section"),
    path("og-image.png", seo.og_image_png, name="og_image"),
    path("showcase/", include("imagestudio.showcase.urls")),  # the landing page's rendered samples
    path("demo/", include("imagestudio.demo.urls")),
    path(
        "images/<uuid:image_id>/comments/<uuid:comment_id>/delete/",
        gallery.image_comment_delete,
        name="image_comment_delete",
    ),
    path("notifications/", include("imagestudio.events.urls")),
    path("images/<uuid:image_id>/thumb", gallery.image_thumb, name="image_thumb"),
    path("projects/", include("imagestudio.projects.urls")),
    path("collections/", include("imagestudio.collections.urls")),
    path("workspaces/", include("imagestudio.workspaces.urls")),
    path("invitations/<str:token>/", workspaces.invitation, name="invitation"),
    path("", include("imagestudio.sharing.urls")),
    # allauth's two-factor and session overviews live in Settings → Security (its flows come back there).
    path("accounts/2fa/", RedirectView.as_view(pattern_name="settings_security")),
    path("accounts/sessions/", RedirectView.as_view(pattern_name="settings_security")),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the visitors' language switch
    # The strings our JavaScript shows: the djangojs catalogs of the project (LOCALE_PATHS) and of the apps with
    # scripts of their own, not the admin's. Cached an hour, on the server per language (the cache key carries
    # the active language) and in browsers (base.html puts the language in the URL, so a switch refetches).
    path(
        "jsi18n/",
        cache_page(60 * 60)(JavaScriptCatalog.as_view(packages=["imagestudio.web", "imagestudio.collections"])),
        name="javascript-catalog",
    ),
    path("api/webhooks/fal", webhooks.fal_webhook, name="fal_webhook"),
    path("api/", api.urls),
    re_path(r"^api/(?P<path>.*)$", not_found),  # after the API: anything it did not match
    path("admin/", admin.site.urls),
    path("staff/", include("imagestudio.staff.urls")),
    path("usage/", include("imagestudio.billing.urls_usage")),
    path("prompts/", include("imagestudio.prompts.urls")),
    path("settings/billing/buy/", include("imagestudio.billing.urls_purchase")),
    path("settings/", include("imagestudio.preferences.urls")),
    path("settings/", include("imagestudio.accounts.urls_settings")),
    path("settings/", include("imagestudio.accountdata.urls")),
]

# allauth's pages answer their rate limits with our 429 page.
handler429 = "imagestudio.lib.ratelimit.handler429"
