# bash completion for pairkit; candidates come from 'pairkit __complete'.
_pairkit() {
    local cur=${COMP_WORDS[COMP_CWORD]}
    local IFS=$'\n'
    local words=("${COMP_WORDS[@]:1:COMP_CWORD}")
    local cands
    cands=$("${COMP_WORDS[0]}" __complete -- "${words[@]}" 2>/dev/null)
    if [[ -n $cands ]]; then
        COMPREPLY=($(compgen -W "$cands" -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
        compopt -o filenames 2>/dev/null
    fi
}
complete -F _pairkit pairkit
