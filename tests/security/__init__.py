"""Security regression suite: each attack of an adversarial review,
replayed through the real Adapter so that what held keeps holding."""
