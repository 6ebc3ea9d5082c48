# SPDX-License-Identifier: BSD-2-Clause
# fish completion for keysh: options here, statement words from
# `keysh --complete LINE` (grammar-aware, live SPIs and addresses).
function __keysh_stmt
	set -l toks (commandline -opc)
	set -e toks[1]
	set -l sock
	set -l words
	set -l skip 0
	for t in $toks
		if test $skip = 1
			set skip 0
			continue
		end
		switch $t
			case --socket
				set skip 1
				set sock --socket
			case -f --file --backend --type --satype --spi --addr --count
				set skip 1
			case '-*'
				if test (count $words) -gt 0
					set -a words $t
				end
			case '*'
				set -a words $t
		end
	end
	if test -n "$sock"
		set -l i (contains -i -- --socket $toks)
		set sock --socket $toks[(math $i + 1)]
	end
	set -l line (string join ' ' $words)
	test -n "$line"; and set line "$line "
	set line "$line"(commandline -ct)
	keysh $sock --complete "$line" 2>/dev/null
end
complete -c keysh -f -a '(__keysh_stmt)'
complete -c keysh -s c -l stdin -d 'read statements from stdin'
complete -c keysh -s f -l file -r -F -d 'read statements from a file'
complete -c keysh -s n -l dry-run -d 'parse and validate only'
complete -c keysh -s v -l verbose -d 'print every PF_KEY message'
complete -c keysh -s q -l quiet -d 'no warnings, no result lines'
complete -c keysh -l peer -d 'print the script the other end needs'
complete -c keysh -s D -l dump -d 'dump the SADB'
complete -c keysh -s P -l policy -d 'act on the SPD'
complete -c keysh -s F -l flush -d 'flush'
complete -c keysh -s a -l all -d 'include dead SAs'
complete -c keysh -s l -l loop -d 'loop listing'
complete -c keysh -s p -l ports -d 'show ports'
complete -c keysh -s x -l monitor -d 'monitor events'
complete -c keysh -s H -l hex -d 'hex dump in monitor'
complete -c keysh -s j -l json -d 'JSON output'
complete -c keysh -s K -l show-keys -d 'show keys'
complete -c keysh -l script -d 'dump as a restorable script'
complete -c keysh -l atomic -d 'all statements or none'
complete -c keysh -l undo -d 'remove what the script installs'
complete -c keysh -l backend -x -a 'auto pfkey xfrm keyd' -d 'backend'
complete -c keysh -l socket -r -F -d 'keyd socket'
complete -c keysh -l promisc -d 'promiscuous monitor'
complete -c keysh -l type -x -a 'add update delete get getspi acquire expire flush register spdadd spddelete spdupdate spdflush spdexpire migrate'
complete -c keysh -l satype -x -a 'esp ah ipcomp'
complete -c keysh -l spi -x
complete -c keysh -l addr -x
complete -c keysh -l count -x
complete -c keysh -s V -l version -d 'print the version'
complete -c keysh -s h -l help -d 'help'
