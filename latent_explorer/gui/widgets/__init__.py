"""Small widgets shared by the docks and the map's toolbar."""
