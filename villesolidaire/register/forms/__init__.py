"""Forms of the register, one module per concern; import each form from its module."""
