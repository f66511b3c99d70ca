# free_pages needs the PFN and the order.
free_pages
