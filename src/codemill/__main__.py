from codemill.cli import main

main()
