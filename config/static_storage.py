from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed static files, except django-viewflow's own.

    viewflow ships Material UI stylesheets that point at font files the package does not
    include, which makes the manifest step fail. We never serve viewflow's UI, so its files
    are collected as they are instead of being hashed and rewritten.
    """

    manifest_strict = False

    def post_process(self, paths, *args, **kwargs):
        ours = {path: found for path, found in paths.items() if not path.startswith("viewflow/")}
        yield from super().post_process(ours, *args, **kwargs)
