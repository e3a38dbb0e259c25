"""``stackinstall destroy``: take a whole deployment off its nodes."""
