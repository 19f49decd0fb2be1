"""Legal texts: the seller's identity, dated versions of each legal document, and the rendering
of the pre-information form and the distance contract for one order (issue 15)."""
