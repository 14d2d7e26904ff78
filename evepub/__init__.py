"""evepub: publish the EVE-OS feature roadmap from one YAML source."""
