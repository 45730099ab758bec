from ninja import Schema


class Error(Schema):
    code: str
    message: str
