"""grading_views of the essays app."""
