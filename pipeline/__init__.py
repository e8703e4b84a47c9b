"""handbill: one campaign text in, localised leaflets, posts and share cards out."""

__version__ = "0.1.0"
