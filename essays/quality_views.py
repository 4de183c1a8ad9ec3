"""quality_views of the essays app."""
