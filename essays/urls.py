from django.urls import path

from . import grading_views, quality_views, similarity_views, views

app_name = "essays"

# Sections: each helper module owns its block (member pages, grading, quality/exemptions/re-study, similarity).
urlpatterns: list = [
    # Member's pages (essays/views.py)
    # Grading (essays/grading_views.py)
    # Exemptions, re-study, quality figures (essays/quality_views.py)
    # Similarity (essays/similarity_views.py)
]
