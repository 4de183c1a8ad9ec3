from django.urls import path

from . import grading_views, quality_views, similarity_views, views

app_name = "essays"

# Sections: each helper module owns its block (member pages, grading, quality/exemptions/re-study, similarity).
urlpatterns: list = [
    # Member's pages (essays/views.py)
    path("mine/", views.my_essays, name="mine"),
    path("campaign/<int:campaign_id>/write/", views.write, name="write"),
    path("campaign/<int:campaign_id>/autosave/", views.autosave, name="autosave"),
    path("campaign/<int:campaign_id>/upload/", views.upload, name="upload"),
    path("campaign/<int:campaign_id>/submit/", views.submit, name="submit"),
    path("<int:essay_id>/", views.detail, name="detail"),
    path("<int:essay_id>/file/", views.file, name="file"),
    # Grading (essays/grading_views.py)
    path("grading/", grading_views.queue, name="grading"),
    path("<int:essay_id>/grade/", grading_views.grade, name="grade"),
    path("campaign/<int:campaign_id>/release/", grading_views.release, name="release"),
    # Exemptions, re-study, quality figures (essays/quality_views.py)
    path("campaign/<int:campaign_id>/exemptions/", quality_views.exemption_list, name="exemptions"),
    path(
        "campaign/<int:campaign_id>/exemptions/<int:exemption_id>/revoke/",
        quality_views.exemption_revoke,
        name="exemption_revoke",
    ),
    path("campaign/<int:campaign_id>/restudy/", quality_views.restudy_root, name="restudy"),
    path("campaign/<int:campaign_id>/restudy/<int:org_id>/", quality_views.restudy_org, name="restudy_org"),
    path("campaign/<int:campaign_id>/quality/", quality_views.quality_root, name="quality"),
    path("campaign/<int:campaign_id>/quality/<int:org_id>/", quality_views.quality_org, name="quality_org"),
    # Similarity (essays/similarity_views.py)
    path("campaign/<int:campaign_id>/similarity/", similarity_views.campaign_similarity, name="similarity"),
    path("similarity/pair/<int:pair_id>/", similarity_views.pair_detail, name="similarity_pair"),
]
