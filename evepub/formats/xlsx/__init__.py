"""Excel trackers for program managers: writer, reader, the tracker table and their contract."""
