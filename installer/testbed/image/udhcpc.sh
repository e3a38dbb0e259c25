#!/bin/sh
# busybox udhcpc event script of the stackinstall guest (/usr/share/udhcpc/default.script).
#
# udhcpc calls it with the event as $1 (deconfig, bound, renew, leasefail, nak) and the lease
# in the environment: interface, ip, subnet (dotted mask), router, dns, domain, search,
# hostname, mtu (option 26) and staticroutes (option 121, "dest/len gateway ..." pairs).
# With option 121 the routers option is ignored (RFC 3442). The address it configured goes to
# $STATE/address for /init.

STATE=${STATE:-/run/stackinstall-guest}
RESOLV_CONF=${RESOLV_CONF:-/etc/resolv.conf}

# 255.255.255.0 -> 24
mask_to_prefix() {
    prefix=0
    old_ifs=$IFS
    IFS=.
    # shellcheck disable=SC2086 # split the dotted quad on purpose
    set -- $1
    IFS=$old_ifs
    for octet in "$@"; do
        case "$octet" in
            255) prefix=$((prefix + 8)) ;;
            254) prefix=$((prefix + 7)) ;;
            252) prefix=$((prefix + 6)) ;;
            248) prefix=$((prefix + 5)) ;;
            240) prefix=$((prefix + 4)) ;;
            224) prefix=$((prefix + 3)) ;;
            192) prefix=$((prefix + 2)) ;;
            128) prefix=$((prefix + 1)) ;;
        esac
    done
    echo "$prefix"
}

# "dest/len gw dest/len gw ..." -> one `ip route replace` each (gateway 0.0.0.0: on-link)
apply_static_routes() {
    # shellcheck disable=SC2086 # split the pairs on purpose
    set -- $1
    while [ "$#" -ge 2 ]; do
        dest=$1
        gateway=$2
        shift 2
        [ "$dest" = 0.0.0.0/0 ] && dest=default
        if [ "$gateway" = 0.0.0.0 ]; then
            ip route replace "$dest" dev "$interface"
        else
            ip route replace "$dest" via "$gateway" dev "$interface"
        fi
    done
}

write_resolv_conf() {
    tmp=$RESOLV_CONF.tmp
    : > "$tmp"
    if [ -n "$search" ]; then
        echo "search $search" >> "$tmp"
    elif [ -n "$domain" ]; then
        echo "search $domain" >> "$tmp"
    fi
    for server in $dns; do
        echo "nameserver $server" >> "$tmp"
    done
    mv "$tmp" "$RESOLV_CONF"
}

bound() {
    if [ -n "$mtu" ]; then
        ip link set dev "$interface" mtu "$mtu"
    fi
    ip -4 addr flush dev "$interface"
    ip addr add "$ip/$(mask_to_prefix "${subnet:-255.255.255.0}")" broadcast + dev "$interface"
    if [ -n "$staticroutes" ]; then
        apply_static_routes "$staticroutes"
    else
        metric=0
        for gateway in $router; do
            ip route add default via "$gateway" dev "$interface" metric "$metric"
            metric=$((metric + 1))
        done
    fi
    write_resolv_conf
    if [ -n "$hostname" ]; then
        echo "$hostname" > "$STATE/dhcp-hostname"
        [ -s "$STATE/hostname" ] || hostname "$hostname" 2>/dev/null
    fi
    echo "$ip" > "$STATE/address"
}

mkdir -p "$STATE"
case "$1" in
    deconfig)
        ip -4 addr flush dev "$interface"
        ip link set dev "$interface" up
        ;;
    bound)
        bound
        ;;
    renew)
        # same address: keep it (and the connections using it), refresh the rest
        if [ "$(cat "$STATE/address" 2>/dev/null)" = "$ip" ]; then
            write_resolv_conf
        else
            bound
        fi
        ;;
    leasefail|nak)
        echo "udhcpc: $1 on $interface" >&2
        ;;
esac
exit 0
