"""Read queries of the personas app, one module per object kind (see services/)."""
