#!/bin/sh
# /init of the stackinstall guest (busybox sh, PID 1 in an initramfs that never pivots).
#
# Mounts the kernel filesystems, loads the kernel modules listed at build time, brings up lo
# and the first ethernet interface with DHCP, reads the instance metadata (config drive
# labelled config-2, else the metadata service at 169.254.169.254, else none), installs the
# SSH key(s) for root, starts dropbear on port 22 and prints exactly one line:
#
#   stackinstall-guest booted: hostname=<h> address=<ip> metadata=<source>
#
# then keeps a shell on the console. PID 1 never exits.
#
# Kernel command-line knobs: stackinstall.metadata_timeout=SECONDS (default 60) bounds the
# wait for the metadata service; stackinstall.dhcp_tries=N (default 30, 2 s apart) the DHCP discovers.
#
# Sourced by the unit tests with a PID other than 1: then it only defines the functions.

PATH=/sbin:/bin:/usr/sbin:/usr/bin
export PATH
STATE=${STATE:-/run/stackinstall-guest}
METADATA_URL=${METADATA_URL:-http://169.254.169.254}
CONFIG_DRIVE_MOUNT=${CONFIG_DRIVE_MOUNT:-/mnt/config}
CMDLINE_FILE=${CMDLINE_FILE:-/proc/cmdline}

# --- small helpers ----------------------------------------------------------------------

# the consoles named on the kernel command line (tty0, ttyS0, ...), each once
consoles() {
    for word in $(cat "$CMDLINE_FILE"); do
        case "$word" in
            console=*) name=${word#console=}; echo "${name%%,*}" ;;
        esac
    done | awk '!seen[$0]++'
}

# print a line on every console (the serial one is what nova's console log records)
say() {
    printed=0
    for name in $(consoles); do
        if [ -c "/dev/$name" ]; then
            echo "$*" > "/dev/$name" 2>/dev/null && printed=1
        fi
    done
    [ "$printed" = 1 ] || echo "$*" > /dev/console
}

# note the guest's uptime at a boot step in $STATE/timeline (no fork: cheap under TCG)
mark() {
    read -r uptime _idle < /proc/uptime
    echo "$uptime $*" >> "$STATE/timeline"
}

# value of NAME=VALUE on the kernel command line, or $2
cmdline_value() {
    for word in $(cat "$CMDLINE_FILE"); do
        case "$word" in
            "$1"=*) echo "${word#*=}"; return 0 ;;
        esac
    done
    echo "$2"
}

# --- JSON (the config drive's meta_data.json) ---------------------------------------------

# Flatten JSON on stdin into "path<TAB>value" lines, one per string/number/literal;
# path is the keys and array indexes joined with "/" (public_keys/mykey, keys/0/data).
# String escapes are decoded; a value holding newlines gives one line per non-empty part.
json_flatten() {
    awk '
    function emit(value,    n, parts, i, path, d) {
        path = ""
        for (d = 1; d <= depth; d++) path = path (d > 1 ? "/" : "") key[d]
        n = split(value, parts, "\n")
        for (i = 1; i <= n; i++) if (parts[i] != "") printf "%s\t%s\n", path, parts[i]
    }
    { text = text $0 "\n" }
    END {
        n = length(text); i = 1; depth = 0
        while (i <= n) {
            c = substr(text, i, 1)
            if (c == "\"") {
                s = ""; i++
                while (i <= n) {
                    c = substr(text, i, 1)
                    if (c == "\\") {
                        e = substr(text, i + 1, 1); i += 2
                        if (e == "n") s = s "\n"
                        else if (e == "t") s = s "\t"
                        else if (e == "r" || e == "b" || e == "f") s = s
                        else if (e == "u") { s = s "\\u" substr(text, i, 4); i += 4 }
                        else s = s e
                        continue
                    }
                    if (c == "\"") { i++; break }
                    s = s c; i++
                }
                if (type[depth] == "o" && want_key) { key[depth] = s; want_key = 0 }
                else emit(s)
                continue
            }
            if (c == "{") { depth++; type[depth] = "o"; want_key = 1; key[depth] = ""; i++; continue }
            if (c == "[") { depth++; type[depth] = "a"; key[depth] = 0; want_key = 0; i++; continue }
            if (c == "}" || c == "]") { depth--; want_key = 0; i++; continue }
            if (c == ",") {
                if (type[depth] == "o") want_key = 1
                else key[depth]++
                i++; continue
            }
            if (c ~ /[-0-9a-zA-Z.+]/) {
                s = ""
                while (i <= n && substr(text, i, 1) ~ /[-0-9a-zA-Z.+]/) { s = s substr(text, i, 1); i++ }
                emit(s)
                continue
            }
            i++
        }
    }'
}

# the SSH public keys of a meta_data.json (public_keys values, then keys[].data), each once
meta_json_keys() {
    json_flatten < "$1" | awk -F '\t' '
        $1 ~ /^public_keys\// || $1 ~ /^keys\/[0-9]+\/data$/ {
            sub(/^[ \t\r]+/, "", $2); sub(/[ \t\r]+$/, "", $2)
            if ($2 != "" && !seen[$2]++) print $2
        }'
}

# the hostname of a meta_data.json ("hostname", else "name")
meta_json_hostname() {
    json_flatten < "$1" | awk -F '\t' '
        $1 == "hostname" && host == "" { host = $2 }
        $1 == "name" && name == "" { name = $2 }
        END { if (host != "") print host; else if (name != "") print name }'
}

# --- boot steps -----------------------------------------------------------------------------

mount_kernel_filesystems() {
    mkdir -p /sys /dev /run /tmp
    mount -t sysfs sysfs /sys
    mount -t devtmpfs devtmpfs /dev
    mkdir -p /dev/pts /dev/shm
    mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
    mount -t tmpfs -o mode=755,nosuid,nodev tmpfs /run
    chmod 1777 /tmp
    mkdir -p "$STATE"
}

load_modules() {
    dir=/lib/modules/$(uname -r)
    [ -f "$dir/stackinstall.load" ] || return 0
    while read -r module params; do
        [ -n "$module" ] || continue
        # shellcheck disable=SC2086 # params are separate words on purpose
        insmod "$dir/$module" $params 2>>"$STATE/modules.log" \
            || echo "insmod $module failed" >> "$STATE/modules.log"
    done < "$dir/stackinstall.load"
}

first_ethernet() {
    for dev in /sys/class/net/*; do
        name=${dev##*/}
        [ "$name" = lo ] && continue
        [ "$(cat "$dev/type" 2>/dev/null)" = 1 ] || continue
        echo "$name"
    done | sort | head -n 1
}

start_network() {
    ip link set dev lo up
    ip addr add 127.0.0.1/8 dev lo 2>/dev/null
    iface=$(first_ethernet)
    if [ -z "$iface" ]; then
        say "stackinstall-guest: no ethernet interface found"
        return 1
    fi
    echo "$iface" > "$STATE/interface"
    ip link set dev "$iface" up
    tries=$(cmdline_value stackinstall.dhcp_tries 30)
    # -b: after a lease (or after the tries) udhcpc goes to the background and keeps renewing
    udhcpc -i "$iface" -s /usr/share/udhcpc/default.script -p /run/udhcpc.pid \
        -t "$tries" -T 2 -A 3 -b -O mtu -O staticroutes -O hostname \
        > "$STATE/udhcpc.log" 2>&1
    if [ ! -s "$STATE/address" ]; then
        say "stackinstall-guest: DHCP on $iface got no lease (see $STATE/udhcpc.log)"
        return 1
    fi
}

# the device holding a filesystem labelled config-2 (iso9660 or vfat), or nothing
find_config_drive() {
    dev=$(findfs LABEL=config-2 2>/dev/null || findfs LABEL=CONFIG-2 2>/dev/null)
    if [ -n "$dev" ]; then echo "$dev"; return 0; fi
    for sys in /sys/class/block/sr* /sys/class/block/vd* /sys/class/block/sd*; do
        [ -e "$sys" ] || continue
        dev=/dev/${sys##*/}
        # iso9660: "CD001" at 32769, the volume id at 32808
        label=$(dd if="$dev" bs=1 skip=32808 count=32 2>/dev/null | tr -d ' \000')
        if [ "$label" = config-2 ]; then echo "$dev"; return 0; fi
    done
    return 1
}

# on success: $STATE/hostname and $STATE/keys from the config drive
read_config_drive() {
    dev=$(find_config_drive) || return 1
    mkdir -p "$CONFIG_DRIVE_MOUNT"
    mount -o ro -t iso9660 "$dev" "$CONFIG_DRIVE_MOUNT" 2>/dev/null \
        || mount -o ro -t vfat "$dev" "$CONFIG_DRIVE_MOUNT" 2>/dev/null \
        || return 1
    json=$CONFIG_DRIVE_MOUNT/openstack/latest/meta_data.json
    found=1
    if [ -f "$json" ]; then
        meta_json_hostname "$json" > "$STATE/hostname"
        meta_json_keys "$json" > "$STATE/keys"
        echo "$dev" > "$STATE/config-drive-device"
        found=0
    fi
    umount "$CONFIG_DRIVE_MOUNT"
    return "$found"
}

# GET a metadata service path on stdout; fails on any HTTP or network error.
# (busybox 1.35's `wget -T` segfaults, so the time limit comes from `timeout`.)
metadata_get() {
    timeout 10 wget -q -O - "$METADATA_URL/latest/meta-data/$1" 2>/dev/null
}

# on success: $STATE/hostname and $STATE/keys from the EC2-style metadata service
read_metadata_service() {
    timeout=$(cmdline_value stackinstall.metadata_timeout 60)
    deadline=$(( $(date +%s) + timeout ))
    while :; do
        if host=$(metadata_get hostname) && [ -n "$host" ]; then
            echo "$host" > "$STATE/hostname"
            : > "$STATE/keys"
            for index in $(metadata_get public-keys/ | sed -n 's/^\([0-9][0-9]*\)=.*/\1/p'); do
                metadata_get "public-keys/$index/openssh-key" >> "$STATE/keys"
                echo >> "$STATE/keys"
            done
            grep -v '^[[:space:]]*$' "$STATE/keys" > "$STATE/keys.tmp"
            mv "$STATE/keys.tmp" "$STATE/keys"
            return 0
        fi
        [ "$(date +%s)" -lt "$deadline" ] || return 1
        sleep 2
    done
}

# the metadata service can only answer when there is a route to it (a default route, or
# option 121 from neutron's DHCP for isolated networks); without one there is no point waiting
read_metadata() {
    metadata_host=${METADATA_URL#http://}
    metadata_host=${metadata_host%%[:/]*}
    if read_config_drive; then
        echo config-drive
    elif [ -s "$STATE/address" ] && ip route get "$metadata_host" >/dev/null 2>&1 \
            && read_metadata_service; then
        echo metadata-service
    else
        echo none
    fi
}

install_keys() {
    mkdir -p /root/.ssh
    chmod 700 /root /root/.ssh
    if [ -f "$STATE/keys" ]; then
        cp "$STATE/keys" /root/.ssh/authorized_keys
    else
        : > /root/.ssh/authorized_keys
    fi
    chmod 600 /root/.ssh/authorized_keys
}

set_hostname() {
    name=$(head -n 1 "$STATE/hostname" 2>/dev/null)
    [ -n "$name" ] || name=$(hostname)
    [ -n "$name" ] && [ "$name" != "(none)" ] || name=stackinstall-guest
    hostname "$name"
    echo "$name" > /etc/hostname
    echo "127.0.1.1 $name" >> /etc/hosts
}

start_ssh() {
    mkdir -p /etc/dropbear /var/log
    dropbear -R -s -p 22 -P /run/dropbear.pid 2>>"$STATE/dropbear.log"
}

main() {
    # the applet links need /proc/self/exe; everything after this may use plain names
    /bin/busybox mkdir -p /proc
    /bin/busybox mount -t proc proc /proc
    /bin/busybox --install -s
    mount_kernel_filesystems
    mark init
    load_modules
    mark modules
    start_network
    mark network
    source=$(read_metadata)
    echo "$source" > "$STATE/metadata-source"
    mark metadata
    install_keys
    set_hostname
    start_ssh
    mark ssh
    address=$(cat "$STATE/address" 2>/dev/null)
    say "stackinstall-guest booted: hostname=$(hostname) address=${address:-none} metadata=$source"
    while :; do
        setsid cttyhack sh -l
        sleep 1
    done
}

if [ "$$" = 1 ]; then
    main
    # never reached; PID 1 must not exit
    while :; do sleep 3600; done
fi
