"""Template filters every page uses (loaded as `{% load ui %}`; the library is named in
settings.TEMPLATES, as `itsm.base` is not an app)."""
