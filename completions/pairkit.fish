# fish completion for pairkit; candidates come from 'pairkit __complete'.
function __pairkit_complete
    set -l words (commandline -opc)[2..-1] (commandline -ct)
    command pairkit __complete -- $words 2>/dev/null
end
complete -c pairkit -f -n 'test -n "(__pairkit_complete)"' -a '(__pairkit_complete)'
complete -c pairkit -F -n 'test -z "(__pairkit_complete)"'
