"""Portal pages of the materials app."""
