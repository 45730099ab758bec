"""The feedback pages, one module per part."""
