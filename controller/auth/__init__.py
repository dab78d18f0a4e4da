"""Who is calling and what they may do: users, API tokens, roles, site scopes."""
