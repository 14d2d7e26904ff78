"""Word for editors: writer, reader and their contract."""
