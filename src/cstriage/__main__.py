from cstriage.cli.main import run

run()
