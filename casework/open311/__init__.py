"""Open311 GeoReport v2 under /open311/v2/ (docs/api.md#open311): categories as services, cases
filed by residents' clients as service requests, in JSON and XML."""
