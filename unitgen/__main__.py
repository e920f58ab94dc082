from unitgen.cli import main

main()
