"""``stackinstall backup`` and ``restore``: the control plane's state, kept and put back."""
