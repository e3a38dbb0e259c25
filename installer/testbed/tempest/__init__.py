"""``verify --tempest``: run upstream tempest on the controller and read its results."""
