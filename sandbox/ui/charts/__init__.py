"""The charts: prices per symbol with every position's levels, and the account over time."""
