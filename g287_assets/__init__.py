"""g287: an open, rebuildable history of ICE's 287(g) agreements."""
