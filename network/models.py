"""Actor-network models (actors, relation types, network snapshots) live here."""
