# SPDX-License-Identifier: BSD-2-Clause
# bash completion for keysh. Options are listed here; statement words are
# completed by keysh itself (`keysh --complete LINE`), which knows the grammar
# and asks the backend for live addresses and SPIs.
_keysh()
{
	local cur prev i stmt_start=0 sock=() line
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	case $prev in
	-f|--file) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--socket) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--backend) COMPREPLY=($(compgen -W "auto pfkey xfrm keyd" -- "$cur")); return ;;
	--satype) COMPREPLY=($(compgen -W "esp ah ipcomp" -- "$cur")); return ;;
	--type) COMPREPLY=($(compgen -W "add update delete get getspi acquire expire flush register spdadd spddelete spdupdate spdflush spdexpire migrate" -- "$cur")); return ;;
	--spi|--addr|--count) return ;;
	esac
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--socket) sock=(--socket "${COMP_WORDS[i+1]}"); ((i++)) ;;
		-f|--file|--backend|--type|--satype|--spi|--addr|--count) ((i++)) ;;
		-*) ;;
		*) stmt_start=$i; break ;;
		esac
	done
	if [[ $stmt_start == 0 && $cur == -* ]]; then
		COMPREPLY=($(compgen -W "-c -f -n -v -q -D -P -F -a -l -p -x -xx -H -j -K -V -h
			--stdin --file --dry-run --verbose --quiet --peer --dump --policy --flush --all --loop
			--ports --monitor --hex --json --show-keys --script --atomic --undo --backend
			--socket --promisc --type --satype --spi --addr --count --version --help" -- "$cur"))
		return
	fi
	[[ $stmt_start == 0 ]] && stmt_start=$COMP_CWORD
	line="${COMP_WORDS[*]:stmt_start:COMP_CWORD-stmt_start}"
	[[ -n $line ]] && line+=" "
	# Inside a quoted statement (keysh 'add 10.0.0.1 ...): the word being
	# completed is the last word of the quoted text; each candidate
	# replaces the whole shell word, so it carries the quote and the text
	# before the last word.
	local q= head= c
	if [[ $cur == [\'\"]* ]]; then
		q=${cur:0:1}
		cur=${cur:1}
		[[ $cur == *' '* ]] && head="${cur% *} "
	fi
	line+=$cur
	local IFS=$'\n'
	COMPREPLY=($(keysh "${sock[@]}" --complete "$line" 2>/dev/null))
	if [[ -n $q ]]; then
		for i in "${!COMPREPLY[@]}"; do
			c=${COMPREPLY[i]}
			COMPREPLY[i]="$q$head$c"
		done
		compopt -o nospace 2>/dev/null
	fi
}
complete -F _keysh keysh
