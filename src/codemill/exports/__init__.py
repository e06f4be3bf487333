"""Writers for the formats trainers read. One module per consumer."""
