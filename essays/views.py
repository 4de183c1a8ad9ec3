"""views of the essays app."""
