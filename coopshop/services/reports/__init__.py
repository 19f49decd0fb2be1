"""Reading the books: reports, dashboards, statements, sales listings, audit log."""
