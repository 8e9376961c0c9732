// The ATT&CK knowledge base.
