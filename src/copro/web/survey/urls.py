"""The survey's addresses under /survey/ (and, across LAs, /feeling-and-outcome, see
``root_urlpatterns``; the old /illusion-gap redirects there)."""

from django.urls import path, re_path

from copro.web.survey import coordinate, published, views

app_name = "survey"
SUFFIX = r"(?P<suffix>\.json|\.csv)"
CODE = r"(?P<code>[Ee]\d{8})"

urlpatterns = [
    path("", views.index, name="index"),
    path("privacy/", views.privacy, name="privacy"),
    path("login/", coordinate.login_view, name="login"),
    path("logout/", coordinate.logout_view, name="logout"),
    path("manage/", coordinate.manage, name="manage"),
    path("manage/open/", coordinate.open_round, name="open"),
    path("manage/round/<int:round_id>/close/", coordinate.close_round, name="close"),
    path("manage/round/<int:round_id>/publish/", coordinate.publish_round, name="publish"),
    path("manage/round/<int:round_id>/reopen/", coordinate.reopen_round, name="reopen"),
    path("manage/round/<int:round_id>/checks/", coordinate.round_checks, name="checks"),
    path("manage/round/<int:round_id>/set-aside/", coordinate.set_aside, name="set-aside"),
    path("manage/round/<int:round_id>/codes/", coordinate.make_codes, name="codes"),
    path("manage/round/<int:round_id>/venue/", coordinate.venue, name="venue"),
    path("manage/round/<int:round_id>/delete/", coordinate.delete_round, name="delete"),
    path("manage/merge/", coordinate.merge_rounds, name="merge"),
    path("manage/upload/", coordinate.upload, name="upload"),
    path("manage/paper/<str:audience>/", coordinate.paper_form, name="paper"),
    path("manage/handover/", coordinate.handover, name="handover"),
    path("manage/qr/<str:audience>.svg", coordinate.qr_code, name="qr"),
    path("manage/download/", coordinate.download, name="download"),
    re_path(rf"^results/{CODE}$", published.area_results, name="results"),
    re_path(rf"^results/{CODE}{SUFFIX}$", published.area_results, name="results-data"),
    re_path(rf"^{CODE}/(?P<audience>[a-z]+)/$", views.start, name="start"),
    re_path(rf"^{CODE}/(?P<audience>[a-z]+)/check/$", views.check, name="check"),
    re_path(rf"^{CODE}/(?P<audience>[a-z]+)/done/$", views.done, name="done"),
    re_path(rf"^{CODE}/(?P<audience>[a-z]+)/all/$", views.one_page, name="one-page"),
    re_path(rf"^{CODE}/(?P<audience>[a-z]+)/clear-answers/$", views.clear, name="clear"),
    re_path(rf"^{CODE}/(?P<audience>[a-z]+)/(?P<page_id>[a-z_]+)/$", views.page, name="page"),
]

#: Included at the site's root by copro.web.urls.
root_urlpatterns = [
    path("feeling-and-outcome", published.feeling_and_outcome, name="feeling-and-outcome"),
    re_path(rf"^feeling-and-outcome{SUFFIX}$", published.feeling_and_outcome,
            name="feeling-and-outcome-data"),
    path("illusion-gap", published.illusion_gap_moved, name="illusion-gap"),
    re_path(rf"^illusion-gap{SUFFIX}$", published.illusion_gap_moved, name="illusion-gap-data"),
]
