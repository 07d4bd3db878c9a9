"""Security regression suite: each attack from the adversarial review (issue 24),
replayed through the real Adapter so that what held keeps holding."""
