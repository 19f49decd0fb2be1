"""What only pages need: unit of work, permissions, form fields, Jinja filters, charts."""
