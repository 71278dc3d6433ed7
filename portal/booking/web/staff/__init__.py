"""The back office's facility pages (blueprint ``booking_staff``): day sheet, counter, blocks, closures, lottery."""
