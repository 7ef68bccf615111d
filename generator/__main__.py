from .cli import app

if __name__ == "__main__":  # `-j` worker processes (spawn) import this module again: they must not run the CLI
    app(prog_name="perfgen")
