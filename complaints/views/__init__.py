"""Complaint views, one module per audience: intake (owners and the
committee's recording), detail (the page and every step taken on it),
lists (dashboard, staff queue, owner's own), analysis and the public board."""
