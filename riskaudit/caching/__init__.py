"""The result cache: its store on disk, the keys of tool results and the cached form of parsed sources."""
