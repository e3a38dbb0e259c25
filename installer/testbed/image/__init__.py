"""A tiny bootable Linux guest for OpenStack's functional smoke, built only from Debian 12
packages on this host (cirros cannot be downloaded here).

``build_image()`` (:mod:`installer.testbed.image.build`) returns a
:class:`~installer.testbed.image.build.GuestImage`: a raw disk (~14 MiB) cached under
/var/cache/stackinstall/images/guest/<key>/, where the key hashes the Debian package
versions, the init and udhcpc scripts, the kernel command line and the build code.
``stackinstall image build [--force] [--json]`` is the CLI.

How it is made: ``apt-get download`` + ``dpkg-deb -x`` (nothing installed on the host) of the
Debian kernel behind ``linux-image-amd64``, ``busybox-static`` and ``dropbear-bin`` with its
libraries; the whole userland is a gzip initramfs that never pivots to a root disk; the disk
is a partitionless FAT "superfloppy" (``mkfs.vfat -C``, ``mcopy``, ``syslinux --install``: no
loop device, no mount) that SeaBIOS boots on ``-machine pc`` and ``-machine q35``.

Guest contract (what the smoke may rely on):

- The serial console (ttyS0, 115200; the last ``console=``, so nova's console log has it)
  shows exactly one line when the guest is ready::

      stackinstall-guest booted: hostname=<h> address=<ip> metadata=<source>

  ``<ip>`` is the DHCP address of the first ethernet interface (``none`` without a lease;
  then a line ``stackinstall-guest: DHCP on <if> got no lease`` comes first) and
  ``<source>`` is ``config-drive``, ``metadata-service`` or ``none``.
- Metadata: first a config drive (iso9660 or vfat labelled ``config-2``, on IDE/SATA/
  virtio-scsi/virtio-blk): ``openstack/latest/meta_data.json`` ``public_keys`` (and
  ``keys[].data``) and ``hostname`` (else ``name``); else, when a route to
  169.254.169.254 exists, the EC2 paths ``/latest/meta-data/hostname`` and
  ``/latest/meta-data/public-keys/<n>/openssh-key``, retried for up to 60 s (kernel
  command-line knob ``stackinstall.metadata_timeout=SECONDS``). The source is also in
  ``/run/stackinstall-guest/metadata-source``.
- ``ssh root@<ip>`` with a key from the metadata works (dropbear on port 22, host keys made
  at first connection, passwords refused); root's shell is busybox ``/bin/sh``.
- A virtio-blk volume hot-plugged later appears as ``/dev/vdb`` (the root disk is
  ``/dev/vda``; ACPI hotplug on pc, PCIe hotplug on q35's root ports).
- busybox provides ``dd``, ``sha256sum``, ``sync``, ``cmp``, ``blockdev``, ``mount``, ``ip``,
  ``udhcpc``, ``wget``, ``hostname``, ``sed``, ``grep``, ``cat``, ``sleep`` and more.
- DHCP honours the MTU (option 26) and classless static routes (option 121, which replaces
  the router option); resolv.conf gets the DNS servers and search domain.
- Boot diagnostics: ``/run/stackinstall-guest/`` (timeline, modules.log, udhcpc.log,
  dropbear.log). PID 1 never exits; a root shell stays on the console.
- Memory: give it 128 MiB (a flavor with ``--ram 128``). Measured under qemu: 96 MiB boots;
  80 MiB panics while unpacking the initramfs; with 72 MiB or less syslinux cannot even
  load the kernel (the Debian kernel asks for 64 MiB to decompress itself, init_size).
"""
