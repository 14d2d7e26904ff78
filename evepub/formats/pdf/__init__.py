"""PDF for quarterly reviews: writer, reader and their contract."""
