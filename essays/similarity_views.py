"""similarity_views of the essays app."""
